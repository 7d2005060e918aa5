# Installed by cifar-cnn into {sys.prefix}/etc/ipython/startup/, which IPython runs at every
# kernel start: after a restart, a cell that uses a name an earlier cell makes (model, data)
# gets "run the cells above first" under its NameError. Loads no Keras; binds no name here.
# Details: cifar_cnn/workshop/restart_hint.py. To turn it off, delete this file.
try:
    get_ipython().extension_manager.load_extension("cifar_cnn.workshop.restart_hint")
except Exception:  # the package uninstalled or broken: the kernel starts as usual
    pass
