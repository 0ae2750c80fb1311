"""Carrying decisions out on the platform: an outbox of actions and the targets that deliver them.

`outbox.py` keeps every decided action in the decision's own transaction and
hands due ones to a target; `base.py` is the interface a target implements
(`webhook.py` is the built-in one). Targets register in the
`bastion.action_targets` entry-point group.
"""
