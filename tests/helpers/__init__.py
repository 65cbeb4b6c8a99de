"""Builders test modules share, imported as `helpers.<module>` (tests/conftest.py loads the package).

files      xlsx, zip-part rewrites, renamed and encrypted files, PNG and PDF bytes
corpus     the real public checklists in ../shared/corpus
package    package inputs (evidence, requests, the package) for the PDF, zip and verify writers
workbooks  the Acme workbook, requests inserted directly, a read-only reopen
requests   `Request` values built in memory (make_request)
window     main-window gestures (Qt)
"""
