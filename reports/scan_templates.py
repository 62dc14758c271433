"""The HTML shell of the scan report: one file, inline CSS, no scripts or remote assets (opens offline)."""

HTML_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>okdp-migrate scan report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1200px;color:#1d2430;padding:0 1em}
h1{font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid #dde3ea;padding-bottom:.2em}
table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{border:1px solid #dde3ea;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f3f6f9}tbody tr:nth-child(even){background:#fafbfc}
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #dde3ea;border-radius:8px;padding:.8em 1.2em;min-width:9em}
.card b{display:block;font-size:1.4em}.card span{color:#5a6573}.warn{background:#fff4e5;border:1px solid #f0b46b;padding:.6em;border-radius:6px}
</style></head><body>
$body
</body></html>
"""
