"""Plan pages (Chinese): sections → actions → targets with status chips, tasks as a Gantt-style view,
progress reports and their review, target figures entered by the bureau."""

from __future__ import annotations
