"""A fake ClinicalTrials.gov API v2 for the tests (and for trying `fetch` and `sync` by hand): see server.py."""
