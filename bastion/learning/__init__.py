"""The learning loop: people's decisions and the judge teach the text models, measured honestly in production.

`labels` turns decisions into training rows; `registry` registers, shadows,
promotes and rolls back text models (audited); `shadow` scores live traffic
with a candidate beside the live model; `compare` sets both against what people
decided since; `sampling` sends a blind share of what the model allowed to
review, and `estimates` turns those samples into precision and recall with
confidence intervals. See docs/learning.md.
"""
