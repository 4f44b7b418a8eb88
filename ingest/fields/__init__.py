"""Field extractors: units, dates, indicators, inspection facts, report counts."""
