from callsheet.cli import main

main()
