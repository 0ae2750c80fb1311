"""Offline work on the text model: training, probes, the offline judge's rows, and evaluation.

Nothing here runs when Bastion serves: the serving path (`bastion.text`,
`bastion.detectors.text_model`) loads the model this package writes and
never imports it back (an import contract in pyproject.toml holds that).
Training may import the runtime, so the probes and figures it records score
exactly what loads; evaluation may run `bastion.pipeline`, never the service.
"""
