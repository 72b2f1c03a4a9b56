/* Linked with the core part alone, a call into the measure part must not
 * resolve: the core does not link upwards. Declared here because the core's
 * include path does not even show the declaration. */
void vb_context_register(void);

int main(void) {
	vb_context_register();
	return 0;
}
