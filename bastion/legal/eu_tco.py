"""Regulation (EU) 2021/784 on addressing the dissemination of terrorist content online ("TCO").

Its clocks, periods and duties are data (`bastion/data/regimes/eu-tco.yaml`, each with its article); this
class is the entry point that makes the packaged file a `LegalRegime` plugin like any other. Where the
Regulation lets an authority ask for more (preservation "for six months or longer upon request"), the longer
period comes with the occurrence's facts, never from a constant.
"""

from __future__ import annotations

from bastion.legal.regimes import FileRegime, load_regime


class EuTco(FileRegime):
    name = "eu-tco"
    title = "Regulation (EU) 2021/784 (terrorist content online)"

    def __init__(self) -> None:
        super().__init__(load_regime(self.name))
