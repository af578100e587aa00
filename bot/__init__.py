"""hashtag-bot: the hashtags patient communities really use, for clinical-trial recruitment teams."""

__version__ = "0.1.0"
