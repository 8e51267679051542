"""The demo social site, its synthetic people, the traffic simulator and its scorer."""
