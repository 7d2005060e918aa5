from cifar_cnn.cli import main

raise SystemExit(main())
