"""nbconvert settings of `make figures`: execute the notebooks in place, keep nothing that changes per run.

Loaded with `jupyter nbconvert --config tools/nbconvert_config.py`; traitlets provides `get_config`.
"""

c = get_config()  # noqa: F821

c.ExecutePreprocessor.timeout = 3600
c.ExecutePreprocessor.kernel_name = "python3"
# no per-cell execution timestamps in the committed notebooks
c.ExecutePreprocessor.record_timing = False
# drop kernel- and machine-specific metadata (Python version, widget state); keep the tags nbval reads
c.ClearMetadataPreprocessor.enabled = True
c.ClearMetadataPreprocessor.preserve_cell_metadata_mask = {"tags"}
c.ClearMetadataPreprocessor.preserve_nb_metadata_mask = {"kernelspec", ("language_info", "name")}
# inline images at 60 dpi keep notebooks/ small; the figure's own dpi (layout) and figures/ are untouched
c.ExecutePreprocessor.extra_arguments = ["--InlineBackend.print_figure_kwargs={'bbox_inches': 'tight', 'dpi': 60}"]
# after execution, merge consecutive stdout (stderr) outputs: how prints are split into messages
# depends on flush timing, which would change the committed file from run to run
c.NotebookExporter.preprocessors = ["nbconvert.preprocessors.CoalesceStreamsPreprocessor"]
