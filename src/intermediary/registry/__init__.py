"""The registry: persons deprived of liberty, their names and custody timeline, human remains."""
