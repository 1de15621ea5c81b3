void placeholder(){}
