/* The static `true` that gb_forkexec executes. */
int main(void) {
    return 0;
}
