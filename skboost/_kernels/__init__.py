"""All numba-compiled code of skboost.

Modules here import only numpy and numba: no scikit-learn, no Python objects
in signatures (arrays and scalars only), so every kernel can be cached.
"""
