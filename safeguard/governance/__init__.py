"""The committee's papers: scorecards as sets chosen from the one catalogue, and the committee pack
assembled from them and from the annual reports, the audit scorecard and the self-assessment."""
