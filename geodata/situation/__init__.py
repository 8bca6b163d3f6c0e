"""The epidemic situation and the measures it starts: cases, levels, alerts, control states, disinfection, observations, 无疫小区."""
