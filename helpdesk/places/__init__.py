"""Places: the registry of Interneterfahrungsorte and routing citizens to the right one."""
