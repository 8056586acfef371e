"""Audio an action needs before its first call, whatever carries the calls.

The free number's greeting and menu speak an action's title as the operator typed it, so the
title must be rendered at launch even when no voice transport would render anything (the
console transport). The core renders no audio itself (speech sits in a layer above it): each
process registers its renderers at start (`runtime.launch_audio.register`), and every launch
hands the new action to them. A renderer must not fail the launch: the SMS still goes out.
"""
from typing import Protocol


class LaunchRenderer(Protocol):
    def prepare_action(self, session, action) -> None:
        """Render what calls about `action` will play; log, never raise, when it cannot."""


class LaunchAudio:
    """The renderers this process registered; `prepare` runs them for a launched action."""

    def __init__(self):
        self._renderers: list[LaunchRenderer] = []

    def register(self, renderer: LaunchRenderer):
        self._renderers.append(renderer)

    def prepare(self, session, action):
        for renderer in self._renderers:
            renderer.prepare_action(session, action)

    def __len__(self):
        return len(self._renderers)
