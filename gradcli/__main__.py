from gradcli.commands.group import main

main()
