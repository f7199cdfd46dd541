"""The config layer: typed schemas for every config group (schema) and the rules their values obey (rules). Imports nothing of a3c."""
