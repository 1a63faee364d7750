"""Fault tests: real ``coview serve`` processes killed, stopped and cut off (issue #22)."""
