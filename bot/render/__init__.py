"""Text for terminals: what the CLI prints, beside the Jinja2 templates in bot/templates."""
