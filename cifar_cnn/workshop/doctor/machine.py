"""The doctor's checks of the machine: free disk space and memory."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from ..memory_needs import free_memory_warning
from .probe_result import OK, WARN, ProbeResult

__all__ = ["GB", "MIN_FREE_DISK", "MIN_MEMORY", "probe_disk", "memory_bytes", "probe_memory"]

GB = 10**9
MIN_FREE_DISK = 1 * GB
MIN_MEMORY = 4 * GB


def _existing_parent(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def probe_disk() -> ProbeResult:
    """Free space on the drive of the Keras cache, where the data and models go."""
    from ...data import default_data_home

    home = default_data_home()
    free = shutil.disk_usage(_existing_parent(home)).free
    details = {"free_bytes": free, "path": str(home)}
    message = f"Disk: {free / GB:.1f} GB free on the drive of the Keras cache ({home})"
    if free < MIN_FREE_DISK:
        return ProbeResult(
            "disk", WARN, message + f", less than {MIN_FREE_DISK / GB:.0f} GB",
            "free some space: the data needs about 350 MB while it downloads (170 MB once "
            "installed), and each saved model a few MB; or set KERAS_HOME to a folder on "
            "a drive with more space",
            details,
        )
    return ProbeResult("disk", OK, message, "", details)


def _windows_memory() -> tuple[int, int] | None:
    import ctypes

    class MemoryStatus(ctypes.Structure):
        _fields_ = [
            ("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
            ("ullTotalPhys", ctypes.c_ulonglong), ("ullAvailPhys", ctypes.c_ulonglong),
            ("ullTotalPageFile", ctypes.c_ulonglong), ("ullAvailPageFile", ctypes.c_ulonglong),
            ("ullTotalVirtual", ctypes.c_ulonglong), ("ullAvailVirtual", ctypes.c_ulonglong),
            ("ullAvailExtendedVirtual", ctypes.c_ulonglong),
        ]

    status = MemoryStatus()
    status.dwLength = ctypes.sizeof(MemoryStatus)
    if not ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
        return None
    return status.ullTotalPhys, status.ullAvailPhys


def memory_bytes() -> tuple[int | None, int | None]:
    """(total, available) physical memory in bytes; None where it cannot be told."""
    if sys.platform == "win32":
        try:
            return _windows_memory() or (None, None)
        except (OSError, AttributeError):
            return None, None
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None, None
    available = None
    try:  # Linux: what can be used without swapping (free memory plus caches)
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    return (total if total > 0 else None), available


_LESS_DATA = (
    "close other programs, and train on part of the data: "
    "`cifar-cnn train intro --n-train 10000` (in a notebook: load_cifar10(n_train=10000))"
)


def probe_memory() -> ProbeResult:
    total, available = memory_bytes()
    details = {"total_bytes": total, "available_bytes": available}
    if total is None:
        return ProbeResult(
            "memory", WARN, "Memory: could not tell how much this machine has",
            f"make sure it has at least {MIN_MEMORY / GB:.0f} GB", details,
        )
    message = f"Memory: {total / GB:.1f} GB"
    if available is not None:
        message += f" ({available / GB:.1f} GB available now)"
    if total < MIN_MEMORY:
        return ProbeResult(
            "memory", WARN, message + f", less than the {MIN_MEMORY / GB:.0f} GB the lesson expects",
            _LESS_DATA, details,
        )
    warning = free_memory_warning(available)  # the lesson's measured needs
    if warning is not None:
        return ProbeResult("memory", WARN, f"{message}: {warning}", _LESS_DATA, details)
    return ProbeResult("memory", OK, message, "", details)


# ---------------------------------------------------------------- the data
