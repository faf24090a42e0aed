"""The Textual desk: presentation only; it calls orderdesk.api.desk."""
