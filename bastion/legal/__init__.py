"""Legal duties: each law Bastion helps a platform keep is one `LegalRegime` (see `base.py`).

A regime turns what happened (an order received, content restricted) into
dated duties with their legal source. Regimes register in the
`bastion.legal_regimes` entry-point group, like detectors.
"""
