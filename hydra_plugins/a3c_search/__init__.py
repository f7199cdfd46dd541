"""Our Optuna sweeper (a3c/cli/search.py). Hydra accepts sweepers only from the hydra_plugins
namespace; a3c/cli/train.py also registers it, since an editable install's namespace package
hides it from Hydra's plugin scan."""
