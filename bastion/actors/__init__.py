"""Actors (authors, pages, groups, channels, rooms): their conduct over time, judged by what they publish and do."""
