"""How the trained networks behave beyond the test set: perturbed test images and a second digit set."""
