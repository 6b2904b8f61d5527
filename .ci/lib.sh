# Shared helpers for the CI stages (sourced, not run).

banner() {
    printf '\n==================== %s ====================\n' "$*"
}

# Installs a rustup component for a toolchain. Returns 1 (after a loud
# SKIPPED line) only when rustup cannot reach its server.
ensure_component() {
    local toolchain=$1 component=$2
    if rustup component list --toolchain "$toolchain" --installed 2>/dev/null | grep -q "^$component"; then
        return 0
    fi
    if rustup component add --toolchain "$toolchain" "$component"; then
        return 0
    fi
    echo "SKIPPED: $component on $toolchain (install failed)"
    return 1
}

ensure_toolchain() {
    local toolchain=$1
    if rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
        return 0
    fi
    if rustup toolchain install --profile minimal "$toolchain"; then
        return 0
    fi
    echo "SKIPPED: toolchain $toolchain (install failed)"
    return 1
}
