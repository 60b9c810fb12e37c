"""Execute the notebooks headless and export HTML and Markdown (called by Scripts/notebooks).

The Markdown export (NAME.md) renders when the repository is browsed: text, tables and outputs,
each figure linked from the figures folder instead of embedded, and a first line naming the
notebook and a hash of its cells' sources, which Scripts/test-notebooks compares with the
notebook to tell whether the committed export is current.

Each notebook's metadata names what it needs and makes:
  "auctionlab": {"requires": ["sale/summary.csv", …], "figures": ["sale-frontier", …]}
A notebook whose inputs are absent is skipped with a message (unless --require-all);
one that raises, or that does not write every figure it names, fails the run.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter, MarkdownExporter

HERE = Path(__file__).resolve().parent
FIGURE_CAPTION = re.compile(r"\*\*Figure `([^`]+\.png)`")


def source_hash(nb) -> str:
    """SHA-256 of the notebook's cell types and sources: what a Markdown export was made from."""
    h = hashlib.sha256()
    for cell in nb.cells:
        h.update(cell.cell_type.encode() + b"\0" + "".join(cell.source).encode("utf-8") + b"\0")
    return h.hexdigest()


def markdown_export(nb, name: str, figures_link: str) -> str:
    """The executed notebook as Markdown. An embedded PNG followed by a figure caption (what
    auctionlab_nb.save displays) becomes a link to that figure's file; other embedded images are
    dropped, so the export stays small and text only."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        outs = cell.get("outputs", [])
        new = []
        for i, o in enumerate(outs):
            data = o.get("data", {})
            if o.get("output_type") == "execute_result" and "".join(data.get("text/plain", "")).startswith(("PosixPath(", "WindowsPath(")):
                continue  # the figure's path that save() returns: absolute, and shown by its link anyway
            if "image/png" in data:
                nxt = outs[i + 1].get("data", {}).get("text/markdown", "") if i + 1 < len(outs) else ""
                m = FIGURE_CAPTION.search("".join(nxt))
                if m:
                    new.append(nbformat.v4.new_output("display_data", data={
                        "text/markdown": f"![{m.group(1)}]({figures_link}/{m.group(1)})"}))
                continue
            new.append(o)
        cell["outputs"] = new
    body, _ = MarkdownExporter().from_notebook_node(nb)
    head = f"<!-- Export of Notebooks/{name}.ipynb by Scripts/notebooks; sources sha256 {source_hash(nb)} -->\n"
    return head + body.rstrip() + "\n"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--out", required=True, help="folder for the HTML and Markdown files")
    ap.add_argument("--figures", required=True, help="folder for the PNG figures")
    ap.add_argument("--kernel", default="python3")
    ap.add_argument("--require-all", action="store_true", help="a missing input is an error, not a skip")
    ap.add_argument("names", nargs="*", help="notebooks to run (default: all in Notebooks/)")
    a = ap.parse_args()
    results, out, figures = (Path(p).resolve() for p in (a.results, a.out, a.figures))
    os.environ["AUCTIONLAB_RESULTS"] = str(results)
    os.environ["AUCTIONLAB_FIGURES"] = str(figures)
    os.environ["MPLBACKEND"] = "Agg"
    out.mkdir(parents=True, exist_ok=True)
    figures.mkdir(parents=True, exist_ok=True)

    paths = [HERE / f"{n.removesuffix('.ipynb')}.ipynb" for n in a.names] or sorted(HERE.glob("*.ipynb"))
    failed, ran, skipped = [], [], []
    for path in paths:
        name = path.stem
        if not path.exists():
            print(f"notebooks: {name}: no such notebook {path}", file=sys.stderr)
            failed.append(name)
            continue
        nb = nbformat.read(path, as_version=4)
        meta = nb.metadata.get("auctionlab", {})
        missing = [r for r in meta.get("requires", []) if not (results / r).exists()]
        if missing:
            shown = ", ".join(str(Path(results.name) / m) for m in missing)
            if a.require_all:
                print(f"notebooks: {name} FAILED: {shown} not found", file=sys.stderr)
                failed.append(name)
            else:
                print(f"notebooks: {name} skipped: {shown} not found")
                skipped.append(name)
            continue
        expected = [figures / f"{f}.png" for f in meta.get("figures", [])]
        for f in expected:  # a figure left over from an earlier run must not pass the check
            f.unlink(missing_ok=True)
        t0 = time.monotonic()
        try:
            NotebookClient(nb, timeout=600, kernel_name=a.kernel, record_timing=False,
                           extra_arguments=["--IPKernelApp.log_level=ERROR"],
                           resources={"metadata": {"path": str(HERE)}}).execute()
        except Exception as e:  # CellExecutionError carries the cell and traceback
            plain = re.sub(r"\x1b\[[0-9;]*m", "", str(e))  # the traceback without terminal colours
            print(f"notebooks: {name} FAILED while executing:\n{plain}", file=sys.stderr)
            failed.append(name)
            continue
        html, _ = HTMLExporter().from_notebook_node(nb)
        tmp = out / f"{name}.html.partial"
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(out / f"{name}.html")
        md = markdown_export(nb, name, Path(os.path.relpath(figures, out)).as_posix())
        tmp = out / f"{name}.md.partial"
        tmp.write_text(md, encoding="utf-8")
        tmp.replace(out / f"{name}.md")
        absent = [str(f) for f in expected if not f.exists()]
        if absent:
            print(f"notebooks: {name} FAILED: figure(s) not written: {', '.join(absent)}", file=sys.stderr)
            failed.append(name)
            continue
        ran.append(name)
        print(f"notebooks: {name} ok ({time.monotonic() - t0:.1f} s): {out / (name + '.html')} and .md, "
              f"{len(expected)} figure(s) in {figures}")
    print(f"notebooks: {len(ran)} executed, {len(skipped)} skipped, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
