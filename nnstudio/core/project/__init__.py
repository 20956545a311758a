"""The project document and its file format. Must not import Qt or Keras."""

from nnstudio.core.project.errors import (
    CorruptProjectError,
    NewerFormatError,
    NotAProjectError,
    ProjectLoadError,
    ProjectNotFoundError,
    ProjectSaveError,
    UnknownLayerTypesError,
    UnsafeProjectError,
)
from nnstudio.core.project.io import DEFAULT_LIMITS, LoadLimits, load_project, save_project
from nnstudio.core.project.model import Project
from nnstudio.core.project.schema import FORMAT, FORMAT_VERSION, project_from_dict, project_to_dict

__all__ = [
    "DEFAULT_LIMITS",
    "FORMAT",
    "FORMAT_VERSION",
    "CorruptProjectError",
    "LoadLimits",
    "NewerFormatError",
    "NotAProjectError",
    "Project",
    "ProjectLoadError",
    "ProjectNotFoundError",
    "ProjectSaveError",
    "UnknownLayerTypesError",
    "UnsafeProjectError",
    "load_project",
    "project_from_dict",
    "project_to_dict",
    "save_project",
]
