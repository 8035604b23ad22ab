"""The VM images the emulated account lists at `GET /supportedimages`: a fixed,
realistic list of the Azure Marketplace images Batch supports, with the node
agent SKU each needs. Sample scripts pick their image and node agent SKU from
this list before they create a pool; the emulator's nodes run on the local
machine whatever image a pool names."""

from __future__ import annotations

from .store import Doc

_LINUX = "linux"
_WINDOWS = "windows"


def _image(publisher: str, offer: str, sku: str, agent: str, os_type: str, verified: bool = True,
           capabilities: tuple[str, ...] = (), end_of_life: str = "") -> Doc:
    doc: Doc = {
        "nodeAgentSKUId": agent,
        "imageReference": {"publisher": publisher, "offer": offer, "sku": sku, "version": "latest"},
        "verificationType": "verified" if verified else "unverified",
        "osType": os_type,
    }
    if capabilities:
        doc["capabilities"] = list(capabilities)
    if end_of_life:
        doc["batchSupportEndOfLife"] = end_of_life
    return doc


SUPPORTED_IMAGES: tuple[Doc, ...] = (
    _image("canonical", "0001-com-ubuntu-server-focal", "20_04-lts", "batch.node.ubuntu 20.04", _LINUX,
           end_of_life="2025-04-30T00:00:00Z"),
    _image("canonical", "0001-com-ubuntu-server-jammy", "22_04-lts", "batch.node.ubuntu 22.04", _LINUX),
    _image("canonical", "ubuntu-24_04-lts", "server", "batch.node.ubuntu 24.04", _LINUX),
    _image("microsoft-azure-batch", "ubuntu-server-container", "20-04-lts", "batch.node.ubuntu 20.04", _LINUX,
           capabilities=("DockerCompatible",), end_of_life="2025-04-30T00:00:00Z"),
    _image("microsoft-dsvm", "ubuntu-hpc", "2204", "batch.node.ubuntu 22.04", _LINUX),
    _image("almalinux", "almalinux-x86_64", "9-gen2", "batch.node.el 9", _LINUX),
    _image("debian", "debian-12", "12", "batch.node.debian 12", _LINUX),
    _image("microsoftwindowsserver", "windowsserver", "2019-datacenter", "batch.node.windows amd64", _WINDOWS),
    _image("microsoftwindowsserver", "windowsserver", "2022-datacenter", "batch.node.windows amd64", _WINDOWS),
    _image("microsoftwindowsserver", "windowsserver", "2022-datacenter-smalldisk", "batch.node.windows amd64",
           _WINDOWS),
    _image("microsoftwindowsserver", "windowsserver", "2025-datacenter", "batch.node.windows amd64", _WINDOWS,
           verified=False),
)


def image_key(image: Doc) -> str:
    """A unique, ordered key for paging: publisher:offer:sku."""
    ref = image["imageReference"]
    return f"{ref['publisher']}:{ref['offer']}:{ref['sku']}"
