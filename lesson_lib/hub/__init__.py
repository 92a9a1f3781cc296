"""Serving the course to a class from one machine with JupyterHub (deploy/, README "Teaching a
class"): per-student limits (spawner), each student's own copy of the lessons (home), and the
system users the students log in as (students)."""
