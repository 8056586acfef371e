"""Flask glue shared by the API and the admin web."""
