"""File drops declared by configuration alone: one ``sources/<name>/files.yaml`` per landing folder."""

from .declaration import DECLARATION_FILE, FilesDeclaration, load_files_declaration
from .source import build_files_source, file_drop_resource, read_file

__all__ = [
    "DECLARATION_FILE",
    "FilesDeclaration",
    "build_files_source",
    "file_drop_resource",
    "load_files_declaration",
    "read_file",
]
