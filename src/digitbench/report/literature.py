"""Published reference results the report compares against, each with its bibliography key.

These are literature values, not results of this workflow; the report always quotes them next
to the number the workflow computed and the citation they come from.
"""

# Xiao et al. (2017), benchmark of scikit-learn classifiers on MNIST: best LogisticRegression
# (one-vs-rest, C = 1) and RandomForestClassifier (100 trees) test accuracies.
BASELINE_ANCHORS = {
    "logreg": {"accuracy": 0.917, "cite": "xiao2017fashion"},
    "random_forest": {"accuracy": 0.970, "cite": "xiao2017fashion"},
}
