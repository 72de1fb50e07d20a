"""Onboarder's local simulator of The Things Stack and Blynk HTTP APIs.

Standard library only: tests, benchmarks and the demo run it with the
system python3.
"""
