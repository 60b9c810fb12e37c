#!/usr/bin/env python3
"""Runs the exact peers of `auctionlab bench peers` on CFN files that auctionlab wrote.

Usage: peers.py RUNS SECONDS FILE.cfn ...   (one JSON object per file and peer on standard output;
                                           SECONDS: HiGHS's time limit per solve)
       peers.py plot PEERS.csv OUT.png   (the figure of Results/bench/peers.csv)

Peers, each on one thread, each timed around its solve call only (reading the file and
building the model are excluded, as auctionlab's own timing excludes decoding the instance;
HiGHS's model is built once per file as arrays and passed to each run in bulk):
  toulbar2  pytoulbar2's CFN.Read + Solve (default options: preprocessing, soft arc
            consistency, depth-first branch and bound).
  highs     HiGHS (highspy) on the usual MILP of the network: a binary x[v,i] per node and
            capable agent (one per node), a continuous y[e,i] <= x[u,i], x[v,i] per edge and
            shared agent, minimising unary costs minus the edge savings.
Each object carries the allocation as the agent index per node; auctionlab evaluates it with
its own cost model, so nothing here needs to agree with auctionlab's arithmetic. A peer that
is not installed is reported once as {"peer": ..., "missing": "<why>"}.
"""
import json
import statistics
import sys
import time


def agents_of(doc):
    """Per variable (file order), the agent index of each value."""
    return [[int(name[1:]) for name in values] for values in doc["variables"].values()]


def run_toulbar2(path, doc, runs):
    import pytoulbar2
    domains = agents_of(doc)
    times, assignment = [], None
    for _ in range(runs):
        cfn = pytoulbar2.CFN(verbose=-1)
        cfn.Read(path)
        t0 = time.perf_counter()
        result = cfn.Solve()
        times.append(time.perf_counter() - t0)
        if result is None:
            raise RuntimeError("toulbar2 found no solution")
        assignment = [domains[v][k] for v, k in enumerate(result[0])]
    return times, assignment


def highs_model(doc):
    """The MILP of the network as arrays, built once per file: columns (x then y) with their
    costs, rows in CSR form with their bounds, and the x columns' (node, agent) keys."""
    import numpy as np
    names = list(doc["variables"].keys())
    index = {n: v for v, n in enumerate(names)}
    domains = agents_of(doc)
    unary, edges = {}, []
    for f in doc["functions"].values():
        scope = f["scope"]
        if len(scope) == 1:
            unary[index[scope[0]]] = f["costs"]
        else:
            base = f["defaultcost"]
            c = f["costs"]
            # (a<i>, a<i>, cost) triples: saving base − cost when both ends are on agent i
            savings = {int(c[k][1:]): base - c[k + 2] for k in range(0, len(c), 3)}
            edges.append((index[scope[0]], index[scope[1]], savings))
    col, costs = {}, []
    starts, indices, values, lower, upper = [], [], [], [], []
    for v, dom in enumerate(domains):
        starts.append(len(indices))
        for k, i in enumerate(dom):
            col[(v, i)] = len(costs)
            costs.append(unary[v][k])
            indices.append(col[(v, i)]); values.append(1.0)
        lower.append(1.0); upper.append(1.0)
    integers = len(costs)
    for (u, v, savings) in edges:
        for i, s in savings.items():
            if s <= 0:
                continue
            y = len(costs)
            costs.append(-s)
            for x in (col[(u, i)], col[(v, i)]):  # y <= x
                starts.append(len(indices))
                indices += [y, x]; values += [1.0, -1.0]
                lower.append(-np.inf); upper.append(0.0)
    arrays = dict(costs=np.array(costs), integers=integers, starts=np.array(starts, dtype=np.int32),
                  indices=np.array(indices, dtype=np.int32), values=np.array(values),
                  lower=np.array(lower), upper=np.array(upper))
    return arrays, col, domains


def run_highs(doc, runs, time_limit):
    import highspy
    import numpy as np
    m, col, domains = highs_model(doc)
    n = len(m["costs"])
    times, assignment = [], None
    for _ in range(runs):
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("time_limit", time_limit)
        h.addCols(n, m["costs"], np.zeros(n), np.ones(n), 0, np.zeros(n, dtype=np.int32),
                  np.zeros(0, dtype=np.int32), np.zeros(0))
        h.changeColsIntegrality(m["integers"], np.arange(m["integers"], dtype=np.int32),
                                np.full(m["integers"], highspy.HighsVarType.kInteger))
        h.addRows(len(m["lower"]), m["lower"], m["upper"], len(m["indices"]), m["starts"], m["indices"], m["values"])
        t0 = time.perf_counter()
        h.run()
        times.append(time.perf_counter() - t0)
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"no proven optimum within the time limit of {time_limit:g} s "
                               f"(status {h.modelStatusToString(h.getModelStatus())}, one run)")
        values = h.getSolution().col_value
        assignment = [max(dom, key=lambda i: values[col[(v, i)]]) for v, dom in enumerate(domains)]
    return times, assignment


def plot(csv_path, png_path):
    """Median time against V per solver, one panel per instance class."""
    import csv
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    with open(csv_path, newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["median_seconds"]]
    groups = list(dict.fromkeys(r["class"] for r in rows))
    fig, axes = plt.subplots(1, len(groups), figsize=(4 * len(groups), 3.6), squeeze=False)
    for ax, group in zip(axes[0], groups):
        sub = [r for r in rows if r["class"] == group]
        for solver in dict.fromkeys(r["solver"] for r in sub):
            pts = sorted((int(r["V"]), float(r["median_seconds"]) * 1e3) for r in sub if r["solver"] == solver)
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=solver)
        ax.set_xscale("log"); ax.set_yscale("log")
        ax.set_title(group); ax.set_xlabel("nodes V"); ax.set_ylabel("median ms per solve")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(png_path, dpi=120)


def main():
    if sys.argv[1] == "plot":
        plot(sys.argv[2], sys.argv[3])
        return
    runs = int(sys.argv[1])
    time_limit = float(sys.argv[2])
    peers = []
    for name, module in (("toulbar2", "pytoulbar2"), ("highs", "highspy")):
        try:
            __import__(module)
            peers.append(name)
        except ImportError as e:
            print(json.dumps({"peer": name, "missing": f"python module {module} not importable ({e})"}), flush=True)
    for path in sys.argv[3:]:
        with open(path) as fh:
            doc = json.load(fh)
        for peer in peers:
            try:
                times, assignment = run_toulbar2(path, doc, runs) if peer == "toulbar2" else run_highs(doc, runs, time_limit)
                print(json.dumps({"file": path, "peer": peer, "median_seconds": statistics.median(times),
                                  "runs": len(times), "assignment": assignment}), flush=True)
            except Exception as e:  # reported per row; auctionlab prints it beside the instance
                print(json.dumps({"file": path, "peer": peer, "error": str(e)}), flush=True)


if __name__ == "__main__":
    main()
