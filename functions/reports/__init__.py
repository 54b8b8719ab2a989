"""Reports read from the stores and shaped by `functions.core`, shared by the HTTP routes
(`functions.api`) and the scheduled jobs (`functions.jobs`), so neither reaches into the other."""
