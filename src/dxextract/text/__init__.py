"""Japanese text: normalisation, figures (value, unit, qualifier), eras and fiscal years."""
