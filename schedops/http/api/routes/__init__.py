"""One router per resource; each route parses, calls Operations, and renders a response model."""
