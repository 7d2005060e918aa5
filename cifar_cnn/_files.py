"""Atomic file writes: a reader sees the old file or the complete new one, never half."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path

__all__ = ["give_default_permissions", "atomic_path", "remove_stale_partials"]


def give_default_permissions(path, directory=False):
    """Undo tempfile's private 0600/0700 modes: use what plain open()/mkdir() would give.

    Temporary files and folders are created private, but what they become (a saved
    model, the data folder) must be readable by others, e.g. every learner account on a
    shared workshop machine.
    """
    umask = os.umask(0)  # the only portable way to read the umask is to set it
    os.umask(umask)
    os.chmod(path, (0o777 if directory else 0o666) & ~umask)


@contextlib.contextmanager
def atomic_path(target):
    """Yield a temporary path next to ``target``; move it into place only on success.

    The temporary file keeps ``target``'s suffix because some writers (``model.save``,
    ``savefig``) choose the format from it. On any error, or Ctrl-C, it is removed.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=f".partial{target.suffix}")
    os.close(fd)
    give_default_permissions(tmp)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def remove_stale_partials(target, older_than=60.0):
    """Delete what an earlier, killed writer of ``target`` left behind; return the paths.

    :func:`atomic_path` removes its temporary file on any error, but not when the
    process is killed outright. A temporary file for ``target`` that nothing has
    written to for ``older_than`` seconds belongs to no running writer.
    """
    target = Path(target)
    removed = []
    now = time.time()
    for candidate in target.parent.glob(f".{target.stem}.*.partial{target.suffix}"):
        with contextlib.suppress(OSError):
            if candidate.is_file() and now - candidate.stat().st_mtime > older_than:
                candidate.unlink()
                removed.append(candidate)
    return removed
