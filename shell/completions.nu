# Complete through awsso itself, with the protocol its fish completion uses (clap_complete): the words before the
# cursor, then the word being typed, after `--`; one `value<TAB>description` line per candidate. Profile and
# sso-session names come from the config as it is now.
def __awsso_complete [context: string] {
    let words = ($context | split row -r '\s+')
    # The word being typed is the last one, empty after a space; the command's own name stands first.
    let words = ($words | drop | where {|w| $w != '' } | append ($words | last))
    let candidates = (
        with-env { COMPLETE: 'fish' } { ^__AWSSO_BIN__ -- ...$words | complete }
        | get stdout
        | lines
        | where {|l| $l != '' }
        | each {|l|
            let parts = ($l | split row -n 2 "\t")
            { value: $parts.0, description: ($parts | get 1? | default '') }
        }
    )
    # awsso's order (profiles before flags), not nu's alphabetical one.
    { options: { sort: false }, completions: $candidates }
}
