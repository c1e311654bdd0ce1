"""Post-visit feedback: a one-question rating (1-5 and a comment) asked after a visit, low ratings alerted to the
restaurant's managers, ratings per restaurant on the dashboard, in analytics and the API (issue #26)."""
