"""UCUM unit conversion for the units lab results and eligibility thresholds are written in.

A small explicit table, not a UCUM engine: every unit a criterion or a common lab result uses, with its
dimension and its factor to that dimension's base unit (values from the UCUM specification,
https://ucum.org/ucum: `mo` is the mean Julian month, 1/12 of `a` = 365.25 d; `U` is umol/min, so 1 ukat =
60 U). Two units convert only within one dimension. Mass and amount of substance (mg/dL vs umol/L) convert
only through a molar mass the caller passes in, which comes from the mapping file and is never guessed.
Arbitrary units (`[IU]/L`) convert to nothing but themselves: UCUM defines no factor for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

COUNT = "number concentration"
MASS = "mass concentration"
AMOUNT = "amount concentration"
CATALYTIC = "catalytic concentration"
TIME = "time"
RATE = "volume rate"
RATE_PER_AREA = "volume rate per 1.73 m2"
BMI = "mass per area"
FRACTION = "dimensionless"

# unit code -> (dimension, factor to the dimension's base unit)
_UNITS: dict[str, tuple[str, float]] = {
    "/L": (COUNT, 1.0),
    "10*3/L": (COUNT, 1e3),
    "10*6/L": (COUNT, 1e6),
    "10*9/L": (COUNT, 1e9),
    "10*12/L": (COUNT, 1e12),
    "/mL": (COUNT, 1e3),
    "/uL": (COUNT, 1e6),
    "/mm3": (COUNT, 1e6),  # 1 mm3 = 1 uL
    "10*3/uL": (COUNT, 1e9),
    "10*3/mm3": (COUNT, 1e9),
    "10*6/uL": (COUNT, 1e12),
    "10*6/mm3": (COUNT, 1e12),
    "g/L": (MASS, 1.0),
    "g/dL": (MASS, 10.0),
    "mg/dL": (MASS, 1e-2),
    "mg/L": (MASS, 1e-3),
    "mg/mL": (MASS, 1.0),
    "ug/mL": (MASS, 1e-3),
    "ug/dL": (MASS, 1e-5),
    "ug/L": (MASS, 1e-6),
    "ng/mL": (MASS, 1e-6),
    "mol/L": (AMOUNT, 1.0),
    "mmol/L": (AMOUNT, 1e-3),
    "umol/L": (AMOUNT, 1e-6),
    "nmol/L": (AMOUNT, 1e-9),
    "U/L": (CATALYTIC, 1.0),
    "ukat/L": (CATALYTIC, 60.0),
    "nkat/L": (CATALYTIC, 0.06),
    "[IU]/L": ("[IU]/L", 1.0),
    "ms": (TIME, 1e-3),
    "s": (TIME, 1.0),
    "min": (TIME, 60.0),
    "h": (TIME, 3600.0),
    "d": (TIME, 86400.0),
    "wk": (TIME, 604800.0),
    "mo": (TIME, 2629800.0),
    "a": (TIME, 31557600.0),
    "mL/min": (RATE, 1.0),
    "mL/s": (RATE, 60.0),
    "mL/min/{1.73_m2}": (RATE_PER_AREA, 1.0),
    "mL/s/{1.73_m2}": (RATE_PER_AREA, 60.0),
    "kg/m2": (BMI, 1.0),
    "1": (FRACTION, 1.0),
    "%": (FRACTION, 0.01),
}
_ANNOTATION = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True)
class Unit:
    """A unit the table knows: its UCUM code, dimension and factor to the dimension's base unit."""

    code: str
    dimension: str
    factor: float


def find_unit(code: str) -> Unit | None:
    """Return the unit for a UCUM code, reading a lone annotation (`{cells}/uL`, `{score}`) as UCUM does.

    >>> find_unit("10*9/L").dimension, find_unit("{cells}/uL").code, find_unit("{score}").code
    ('number concentration', '/uL', '1')
    >>> find_unit("K/uL") is None
    True
    """
    code = code.strip()
    if code in _UNITS:
        dimension, factor = _UNITS[code]
        return Unit(code, dimension, factor)
    stripped = _ANNOTATION.sub("", code)
    if stripped != code:
        return find_unit(stripped or "1")
    return None


def convert(value: float, source: str, target: str, *, molar_mass: float | None = None) -> float | None:
    """Return `value` in `source` units expressed in `target` units, or None when they do not convert.

    Mass and amount concentrations convert only with `molar_mass` (g/mol).

    >>> convert(1.5, "10*9/L", "/uL"), convert(150, "10*3/uL", "10*9/L"), convert(100000, "/mm3", "10*9/L")
    (1500.0, 150.0, 100.0)
    >>> round(convert(1.2, "mg/dL", "umol/L", molar_mass=113.12), 1)
    106.1
    >>> convert(1.2, "mg/dL", "umol/L") is None, convert(3, "mo", "wk") is not None
    (True, True)
    >>> convert(40, "U/L", "[IU]/L") is None
    True
    """
    if source == target:
        return value
    unit_from, unit_to = find_unit(source), find_unit(target)
    if unit_from is None or unit_to is None:
        return None
    bridge = _bridge(unit_from.dimension, unit_to.dimension, molar_mass)
    if bridge is None:
        return None
    return _tidy(value * unit_from.factor * bridge / unit_to.factor)


def _bridge(source: str, target: str, molar_mass: float | None) -> float | None:
    """Return the factor from one dimension's base unit to another's: 1 within a dimension, the molar mass
    between g/L and mol/L, None when there is none."""
    if source == target:
        return 1.0
    if molar_mass is None or molar_mass <= 0:
        return None
    if (source, target) == (MASS, AMOUNT):
        return 1 / molar_mass
    if (source, target) == (AMOUNT, MASS):
        return molar_mass
    return None


def _tidy(number: float) -> float:
    """Return `number` rounded to 12 significant digits, so 1.5e9 / 1e6 compares equal to 1500.

    >>> _tidy(0.1 * 3), _tidy(0.0)
    (0.3, 0.0)
    """
    return float(f"{number:.12g}")
