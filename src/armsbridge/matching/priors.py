"""Prior m and u per comparison level: the model before EM has seen data, and for small files."""

from __future__ import annotations

import copy
from typing import Any

from armsbridge.matching import comparisons as cmp

# Prior m and u probabilities per (comparison, level label): what a level is worth before EM
# has seen the data, and the whole model for small files. The last ("different") level of each
# comparison takes the remainder.
PRIORS: dict[str, dict[str, tuple[float, float]]] = {
    "name": {
        "same name key": (0.70, 0.00002),
        "same sound key": (0.12, 0.00005),
        "both names nearly equal": (0.08, 0.0003),
        "both names similar": (0.05, 0.003),
        "one name agrees, the other close": (0.02, 0.005),
        "one name agrees, the other different": (0.005, 0.02),
    },
    "father_name": {
        # u of a "names agree" level: among people of one name (counted on large data).
        "same key" + cmp.NAMES_AGREE: (0.80, 0.03),
        "same key": (0.80, 0.01),
        "same sound key": (0.07, 0.002),
        "nearly equal": (0.06, 0.005),
        "similar": (0.03, 0.03),
    },
    "birth_date": {
        "same full date": (0.65, 0.00005),
        "same month, day unknown on one side": (0.10, 0.0005),
        "same year, month unknown on one side": (0.12, 0.006),
        "day and month swapped": (0.01, 0.00001),
        "one digit differs": (0.03, 0.0002),
        "same year, different day": (0.05, 0.015),
        "same day and month, years one apart": (0.02, 0.0001),
        "years one apart": (0.03, 0.03),
    },
    "sex": {"same sex" + cmp.NAMES_AGREE: (0.98, 0.98), "same sex": (0.98, 0.5)},
    "birth_place": {
        "same key" + cmp.NAMES_AGREE: (0.8, 0.1),
        "same key": (0.8, 0.05),
        "one letter differs": (0.03, 0.002),
    },
    "city": {
        "same key" + cmp.NAMES_AGREE: (0.8, 0.1),
        "same key": (0.8, 0.05),
        "one letter differs": (0.03, 0.002),
    },
    "address": {
        "same key": (0.6, 0.001),
        "nearly equal": (0.2, 0.002),
        "same house number, a word in common": (0.1, 0.002),
        "similar": (0.05, 0.02),
    },
    "postcode": {"same postcode": (0.85, 0.02), "one digit differs": (0.05, 0.01)},
    "region": {"same region": (0.9, 0.15)},
    "phone": {"same phone number": (0.6, 0.00001)},
    "items": {"same firearm or vehicle": (0.4, 0.00001)},
    "associates": {"an associate of the same name": (0.3, 0.0001)},
    "document": {"same document number": (0.7, 0.000001)},
    "serial": {
        # Two fully read serials that differ (misreadings folded) are two guns: the last level
        # keeps only the 1 % the levels above leave. There is no "one character off" level:
        # guns of one model are numbered in sequence, so a neighbour is usually another gun.
        "same serial": (0.85, 0.000001),
        "partial serial fits": (0.08, 0.000003),
        "partial serial fits, five characters read": (0.02, 0.0002),
        "partial serial fits, few characters read": (0.03, 0.001),
        "serial start or end agrees": (0.018, 0.01),  # leaves m = 0.002 for "different"
    },
    "make": {"same key": (0.85, 0.1), "nearly equal": (0.05, 0.02), "similar": (0.03, 0.05)},
    "model": {"same key": (0.8, 0.05), "nearly equal": (0.08, 0.02), "similar": (0.04, 0.05)},
    "calibre": {"same calibre": (0.75, 0.15), "same bore, written differently": (0.2, 0.2)},
    "holder": {
        # u: about one holder in a thousand guns (a small file is not trained; large ones
        # count u on random pairs).
        "same holder, their only such one": (0.75, 0.001),
        # Which of several of one make and model it was, only a serial or plate can tell.
        "same holder, one of several such": (0.002, 0.001),
    },
    "plate": {
        "same key": (0.8, 0.000001),
        "nearly equal": (0.12, 0.00005),
        "similar": (0.04, 0.01),
    },
    "vin": {"same VIN": (0.85, 0.000001), "same last 8 of VIN": (0.1, 0.000005)},
    "colour": {"same colour": (0.8, 0.1)},
}


def apply_priors(settings: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of `settings` with prior m/u probabilities on every comparison level."""
    settings = copy.deepcopy(settings)
    for comp in settings["comparisons"]:
        priors = PRIORS.get(comp["output_column_name"], {})
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        m_used = u_used = 0.0
        for lv in levels[:-1]:
            m, u = priors.get(lv["label_for_charts"], (0.05, 0.01))
            lv["m_probability"], lv["u_probability"] = m, u
            if not lv["label_for_charts"].endswith(cmp.NAMES_AGREE):  # its twin is counted
                m_used, u_used = m_used + m, u_used + u
        levels[-1]["m_probability"] = max(1.0 - m_used, 0.001)
        levels[-1]["u_probability"] = max(1.0 - u_used, 0.001)
    return settings
