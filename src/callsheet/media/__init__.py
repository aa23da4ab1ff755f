"""Media: turning uploads into what browsers and reviewers need (FFmpeg), run as durable jobs."""
