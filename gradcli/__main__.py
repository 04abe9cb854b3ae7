from gradcli.commands import main

main()
