"""Knowledge use cases in the app: feedback per article and questions nobody answered.

The search itself is the framework-free top-level ``knowledge`` package.
"""
