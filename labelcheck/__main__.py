from labelcheck.cli import main

main()
