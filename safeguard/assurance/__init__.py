"""Quality assurance and governance: case file audits, supervision, complaints, the improvement
plan and the committee pack. Each is its own Django app inside this package, so that each keeps
its own models and migrations."""
